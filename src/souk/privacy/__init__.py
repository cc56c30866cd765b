"""Privacy and data governance (issue 17): the audit log service, retention purge, PII redaction."""

"""Translation for people (issue 16): providers behind one interface, a glossary, a cache, a service.

This package knows nothing of commerce: a glossary is data handed in by the caller (the live/desk layer builds
it from the store's multilingual product names and brand terms). Entry points build a provider with
:func:`souk.translate.factory.build_provider` and wrap it in :class:`souk.translate.service.Translator`.
"""

"""Customer service: the desk's services (webhooks first; queues, hand-off and routing join them)."""

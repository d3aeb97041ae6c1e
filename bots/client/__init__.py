"""The client side of a company's Telegram bot: /start, /status and a guided request form. Fed by the ingest
path (no second consumer of the token); everything it says goes out through the Outbox."""

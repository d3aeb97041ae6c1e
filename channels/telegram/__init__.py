"""The Telegram channel: a company's client bot (webhook or long polling), parsed per update kind."""

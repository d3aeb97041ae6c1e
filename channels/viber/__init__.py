"""Viber (REST Bot API): a company's Viber bot as a client channel."""

"""The staff bot: a separate Telegram bot (its own token and ChannelAccount kind "telegram_staff"), never a
client channel. Staff look up clients and summaries, turn sentences into tasks (created only after ✅),
answer clients from forum topics, and act on alerts. Every update is checked against Staff first."""

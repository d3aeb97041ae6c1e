"""Telephony: PBX webhooks (generic JSON, Twilio, Zadarma, Mango Office), Asterisk AMI, recording folders."""

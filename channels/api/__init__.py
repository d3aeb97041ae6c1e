"""The generic JSON channel: integrators (a site chat, Viber via a bridge, 1C) post client messages."""

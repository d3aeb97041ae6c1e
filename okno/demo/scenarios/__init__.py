"""Demo scenarios, one per channel; each posts real payloads to the real routes."""

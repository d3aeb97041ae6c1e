"""Channel adapters: one package per platform. A channel never imports storage (DESIGN.md)."""

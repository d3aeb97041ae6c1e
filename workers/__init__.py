"""Jobs and long-lived loops: ingest, outbound, sweeper, listeners; two queue backends behind one API."""

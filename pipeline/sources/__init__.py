"""Data sources: the SSB StatBank client (``ssb``), the demo generator (``demo``) and the
registry of tables both of them deliver (``tables``)."""

"""innsikt: council-ready evidence for Norwegian regional growth programmes.

The package holds all logic; notebooks in ``notebooks/`` only call it. See README.md.
"""

__version__ = "0.1.0"

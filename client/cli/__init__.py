"""The ``ecoledger`` command line: a thin shell over ``network`` and ``client.gateway``."""

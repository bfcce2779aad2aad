"""trygghet: the analytical workbook of the Luleå crime-prevention collaboration.

The library keeps the indicator definitions and the analysis; the notebooks in ``notebooks/`` are its
reports. Import the modules you need (``from trygghet import indicators``); nothing runs at import time.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"

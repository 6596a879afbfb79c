"""dsworkbook: distributed systems you can run, break and fix, in a Jupyter workbook.

``import dsworkbook as dw`` reaches everything a notebook needs.
"""

from dsworkbook import errors, sim
from dsworkbook.display import source
from dsworkbook.errors import ConfigError, DSWorkbookError, InvariantViolation, NodeError

__version__ = "0.1.0"

__all__ = ["sim", "errors", "source", "ConfigError", "DSWorkbookError", "InvariantViolation", "NodeError", "__version__"]

"""claims-intake: Medi-Cal ECM and Community Supports invoices and CMS-1500 claims, in DHCS terms."""

__version__ = "0.1.0"

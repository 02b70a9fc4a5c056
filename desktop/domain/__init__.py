"""Pure rule math and value types: no Qt, no SQLAlchemy, nothing else of the package."""

"""cratedex: Rust crate documentation from docs.rs, stored in PostgreSQL for AI agents."""

__version__ = "0.1.0"

"""Everything that knows Questetra's URLs, wire formats, authentication and errors."""

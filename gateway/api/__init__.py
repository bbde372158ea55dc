"""The JSON face (OpenAPI at /docs): referrals today; problem documents (RFC 9457) for errors."""

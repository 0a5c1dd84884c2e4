"""Certificates: ``model`` (the record, serials and codes) and ``service`` (listing,
revoking, verifying, awarding on completion)."""

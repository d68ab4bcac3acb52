"""Use cases. Each takes (*, session, actor, data), checks scope, validates, writes, audits."""

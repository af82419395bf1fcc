"""Session operations: each clones completed sessions into a new one, re-runs only the stages
whose inputs it changes, and applies its pure ``transform`` to the source documents
(:class:`jobs.session_ops.base.SessionOp`)."""

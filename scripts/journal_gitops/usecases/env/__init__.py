"""The `gitops env` use cases, one module each: list, add, change and delete environments. An
environment is an overlay, an Application, a destination of the AppProject and a place in the
promotion order; what they share is in common.py.

Every change goes through changes.delivery.deliver, like a bump: planned on a tree, validated,
committed.
"""

"""Kubernetes objects and the small concepts around them, as pure functions over plain data:
objects, quantities, names, image references, Argo CD destinations, the diff of two sets of
objects and the risks of a change."""

"""Argo CD's view of the repository: the Applications and AppProjects as Argo CD reads them
(manifests.py), their edits line by line (edit.py), and the sync policy blocks those edits write
(templates.py)."""

"""The programs and services the tooling talks to: git, kustomize, image registries, the
Kubernetes and CRD schemas, and the text of YAML files it edits."""

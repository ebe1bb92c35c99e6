"""`gitops validate`: every environment rendered and checked against the schemas and the rules
(run.py), findings and waivers, where a finding is written (source_lines.py, and for kustomize's
warnings kustomize_warnings.py), the rules themselves (rules/), and the schema findings kept by
content (schema_findings.py)."""

"""An environment's overlay: its kustomization read and edited line by line, the inputs a build
may read (checked never to be remote), the images it pins, the name prefixes and suffixes it
puts on objects, the snapshot of what it runs, the files a new one gets, and its render with the
real kustomize."""

"""Publishing from the portal: the workspace, the dataset editor and the review queue."""

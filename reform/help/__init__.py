"""In-app help: the user guide rendered from docs/, and each page's link to its section."""

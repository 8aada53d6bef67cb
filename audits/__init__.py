"""Development tool: Lighthouse audits of the public pages served as in production (`make audit`)."""

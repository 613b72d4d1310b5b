"""Administration in the console (``/admin``, admins only): accounts and roles,
technicians' skills, region and home base, and the audit log every change lands in."""

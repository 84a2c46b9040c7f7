-- The two databases of deploy/compose.yaml: the registry's metadata and the BFF's.
CREATE ROLE berth LOGIN PASSWORD 'berth';
CREATE DATABASE berth_registry OWNER berth;
CREATE DATABASE berth_bff OWNER berth;

-- migrate:up
-- A semicolon inside a string does not end the statement: 'a;b'.
INSERT INTO users (email, name) VALUES ('admin@example.com', 'Admin; the first user');

-- migrate:down
DELETE FROM users WHERE email = 'admin@example.com';

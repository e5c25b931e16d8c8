-- migrate:up
ALTER TABLE posts ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
UPDATE posts SET published = 1 WHERE body <> '';

-- migrate:down
ALTER TABLE posts DROP COLUMN published;

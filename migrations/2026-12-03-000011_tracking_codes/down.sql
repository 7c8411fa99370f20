ALTER TABLE reports DROP COLUMN tracking_code;

DROP INDEX reports_created_id_idx;
DROP TABLE attachments;
DROP TABLE export_chunks;
DROP TABLE exports;

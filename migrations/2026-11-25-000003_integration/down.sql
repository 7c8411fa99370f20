DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP INDEX reports_client_idx;
DROP TABLE api_clients;

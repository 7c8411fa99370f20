DROP TABLE staff_login_failures;
DROP TABLE staff_sessions;
DROP TABLE staff_audit;
DROP TABLE staff;

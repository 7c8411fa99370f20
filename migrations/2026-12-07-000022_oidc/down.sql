DROP TABLE staff_sign_in_codes;
DROP TABLE oidc_sign_ins;

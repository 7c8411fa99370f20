DROP TABLE beneficiary_imports;

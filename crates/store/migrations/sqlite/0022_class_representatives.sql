-- A class's parent representatives: parents of the class whom the school names, who then share
-- the class's invitation code and see how many families joined. A flag on the membership, so
-- that it goes when the parent leaves the class.
ALTER TABLE parent_classes ADD COLUMN representative BOOLEAN NOT NULL DEFAULT FALSE;

DROP INDEX `sites_merged_into`;--> statement-breakpoint
CREATE INDEX `sites_merged_into` ON `sites` (`merged_into`) WHERE merged_into IS NOT NULL;
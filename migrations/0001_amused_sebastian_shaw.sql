ALTER TABLE `locations` ADD `license` text;--> statement-breakpoint
ALTER TABLE `locations` ADD `lifecycle` text DEFAULT 'operational' NOT NULL;
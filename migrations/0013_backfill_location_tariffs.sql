-- Custom SQL migration file, put your code below! --
-- The links of the locations already held, from what their connectors reference (0012 dropped the
-- per-connector table; connectors.tariff_ids holds each connector's list).
INSERT OR IGNORE INTO `location_tariffs` (`location_pk`, `tariff_id`)
  SELECT c.`location_pk`, j.value FROM `connectors` c, json_each(c.`tariff_ids`) j;

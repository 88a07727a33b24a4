-- Nil when the campaign was loaded since this server started; else the server's INFO (the
-- server that holds the campaign's slot: its uptime, flushes and evictions are the ones that count).
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
return redis.call('INFO', 'all')

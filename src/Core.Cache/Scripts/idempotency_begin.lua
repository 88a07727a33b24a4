-- Claims the key when it is free; otherwise returns what is there.
-- ARGV: body fingerprint, claim TTL in ms, this attempt's id (so that only it can give the claim back).
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], 'p|' .. ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[2])
return false

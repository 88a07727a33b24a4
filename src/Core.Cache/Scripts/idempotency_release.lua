-- Gives a claim back, but only the claim of this attempt (ARGV: fingerprint, attempt id) and only while it is still in flight.
if redis.call('GET', KEYS[1]) == 'p|' .. ARGV[1] .. '|' .. ARGV[2] then return redis.call('DEL', KEYS[1]) end
return 0

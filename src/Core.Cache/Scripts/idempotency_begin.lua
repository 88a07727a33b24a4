-- Claims the key when it is free; otherwise returns what is there.
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], 'p|' .. ARGV[1], 'PX', ARGV[2])
return false

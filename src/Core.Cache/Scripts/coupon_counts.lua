-- Loaded flag, stock and slots taken (the holder set less its sentinel).
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('SISMEMBER', KEYS[2], '0') == 0 then return {0, 0, 0} end
return {1, tonumber(redis.call('HGET', KEYS[1], 'stock')), redis.call('SCARD', KEYS[2]) - 1}

-- Redis's clock in milliseconds, as a string (exact: no float formatting), for stamps and ages.
-- Prepended to the scripts that stamp or age unsettled entries.
local function now_ms()
  local t = redis.call('TIME')
  return t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
end

// revlake's partial plotly.js bundle: the core (scatter included) and the trace types the
// dashboard's figures use (src/revlake/web/figures: go.Bar, go.Scatter, go.Heatmap,
// go.Funnel, go.Waterfall). tests/web/test_static_assets.py checks this list against the
// figures; build.sh turns it into src/revlake/web/static/plotly-revlake.min.js.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/waterfall'),
]);

module.exports = Plotly;

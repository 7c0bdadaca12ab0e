/* Settings the Bootstrap Italia bundle reads when it loads (this file comes first). Its video player
   would inject <style> elements, which the Content-Security-Policy refuses; its styles are in the
   package's stylesheet already. */
window.VIDEOJS_NO_DYNAMIC_STYLE = true;

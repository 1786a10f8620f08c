<?xml version="1.0" encoding="UTF-8"?>
<!--
  TEI issue -> the facts the site builder needs, as small XML:
  the issue's bibliographic data, its articles in order, and every
  registered name with the text around it (for the register pages).
  Reading these here keeps TEI knowledge out of the Python page code.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  exclude-result-prefixes="tei">

  <xsl:import href="common.xsl"/>
  <xsl:output method="xml" encoding="UTF-8" indent="no"/>

  <!-- the registered names of the text, by the nearest element with an xml:id around them -->
  <xsl:key name="names-by-anchor"
    match="tei:text//tei:persName[@ref] | tei:text//tei:placeName[@ref] | tei:text//tei:orgName[@ref]"
    use="generate-id(ancestor::*[@xml:id][1])"/>

  <xsl:template match="/">
    <xsl:variable name="monogr" select="/tei:TEI/tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:biblStruct/tei:monogr"/>
    <xsl:variable name="pub" select="/tei:TEI/tei:teiHeader/tei:fileDesc/tei:publicationStmt"/>
    <issue id="{/tei:TEI/@xml:id}"
           lang="{/tei:TEI/@xml:lang}"
           date="{$monogr/tei:imprint/tei:date/@when}"
           n="{$monogr/tei:imprint/tei:biblScope[@unit = 'issue']/@n}"
           paper="{normalize-space($monogr/tei:title[@level = 'j'])}"
           page-from="{$monogr/tei:imprint/tei:biblScope[@unit = 'page']/@from}"
           page-to="{$monogr/tei:imprint/tei:biblScope[@unit = 'page']/@to}"
           publisher="{normalize-space($monogr/tei:imprint/tei:publisher)}"
           place="{normalize-space($monogr/tei:imprint/tei:pubPlace)}"
           permit="{normalize-space($monogr/tei:idno[@type = 'permit'])}"
           source-url="{normalize-space($monogr/tei:idno[@type = 'URL'])}"
           url="{normalize-space($pub/tei:idno[@type = 'URL'])}"
           licence="{normalize-space($pub/tei:availability/tei:licence)}"
           licence-url="{$pub/tei:availability/tei:licence/@target}"
           edition="{normalize-space(/tei:TEI/tei:teiHeader/tei:fileDesc/tei:editionStmt/tei:edition)}"
           edition-version="{/tei:TEI/tei:teiHeader/tei:fileDesc/tei:editionStmt/tei:edition/@n}"
           title="{normalize-space(/tei:TEI/tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[1])}">
      <xsl:for-each select="//tei:body//tei:pb">
        <page n="{@n}" id="{@xml:id}"/>
      </xsl:for-each>
      <xsl:apply-templates select="//tei:body//tei:div[@type = 'article']" mode="data"/>
      <xsl:for-each select="//tei:text//*[@xml:id][.//tei:persName[@ref] or .//tei:placeName[@ref] or .//tei:orgName[@ref]]">
        <xsl:variable name="here" select="generate-id()"/>
        <xsl:if test="key('names-by-anchor', $here)">
          <context id="{@xml:id}"
                   article="{ancestor-or-self::tei:div[@type = 'article'][1]/@xml:id}"
                   page="{preceding::tei:pb[1]/@n}">
            <xsl:apply-templates mode="marked">
              <xsl:with-param name="anchor" select="$here"/>
            </xsl:apply-templates>
          </context>
        </xsl:if>
      </xsl:for-each>
    </issue>
  </xsl:template>

  <xsl:template match="tei:div" mode="data">
    <article id="{@xml:id}" page="{preceding::tei:pb[1]/@n}" part="{@part}"
             prev="{substring-after(@prev, '#')}" next="{substring-after(@next, '#')}"
             paragraphs="{count(.//tei:p)}">
      <xsl:if test="tei:gap and not(.//tei:p)">
        <xsl:attribute name="placeholder">yes</xsl:attribute>
      </xsl:if>
      <title><xsl:call-template name="article-title"/></title>
      <label><xsl:call-template name="article-label"/></label>
      <xsl:for-each select="tei:head[@type = 'kicker']">
        <kicker><xsl:apply-templates mode="plain"/></kicker>
      </xsl:for-each>
      <xsl:for-each select="tei:head[@type = 'sub']">
        <sub><xsl:apply-templates mode="plain"/></sub>
      </xsl:for-each>
      <xsl:for-each select="tei:byline">
        <byline><xsl:apply-templates mode="plain"/></byline>
        <xsl:for-each select=".//tei:persName">
          <author><xsl:apply-templates mode="plain"/></author>
        </xsl:for-each>
      </xsl:for-each>
    </article>
  </xsl:template>

  <!-- the anchor's plain text, with each of its own registered names marked -->
  <xsl:template match="tei:persName | tei:placeName | tei:orgName" mode="marked">
    <xsl:param name="anchor"/>
    <xsl:variable name="kind"><xsl:call-template name="register-kind"/></xsl:variable>
    <xsl:choose>
      <xsl:when test="$kind != '' and generate-id(ancestor::*[@xml:id][1]) = $anchor">
        <m kind="{$kind}" key="{substring-after(@ref, '.xml#')}">
          <xsl:apply-templates mode="marked">
            <xsl:with-param name="anchor" select="$anchor"/>
          </xsl:apply-templates>
        </m>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates mode="marked">
          <xsl:with-param name="anchor" select="$anchor"/>
        </xsl:apply-templates>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:lb | tei:note | tei:pb | tei:cb" mode="marked"/>

  <!-- blocks inside the anchor are kept apart by a space -->
  <xsl:template match="tei:p | tei:head | tei:byline | tei:fw" mode="marked">
    <xsl:param name="anchor"/>
    <xsl:apply-templates mode="marked">
      <xsl:with-param name="anchor" select="$anchor"/>
    </xsl:apply-templates>
    <xsl:text> </xsl:text>
  </xsl:template>

  <xsl:template match="*" mode="marked">
    <xsl:param name="anchor"/>
    <xsl:apply-templates mode="marked">
      <xsl:with-param name="anchor" select="$anchor"/>
    </xsl:apply-templates>
  </xsl:template>

  <xsl:template match="text()" mode="marked">
    <xsl:value-of select="translate(., '&#10;&#13;&#9;', '   ')"/>
  </xsl:template>

</xsl:stylesheet>
